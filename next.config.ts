import type { NextConfig } from "next";

// No network here or at many customers' sites: never phone home.
process.env.NEXT_TELEMETRY_DISABLED = "1";

const config: NextConfig = {
  // Native modules, database drivers and the MTA's packages run from node_modules as they are, never bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "pg",
    "@prisma/client",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "Haraka",
    "mailauth",
    "mailparser",
    "nodemailer",
    "selfsigned",
  ],
  // The whole repository (app, server, mta, tests, bench) is type-checked by `npm run typecheck`, which `npm test`
  // runs first; `next build` would check the same tsconfig again, doubling the slowest step on two cores.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
  turbopack: { root: import.meta.dirname },
};

export default config;

import { describe, expect, it } from "vitest";
import { mtaProcessEnv } from "./process-env";

describe("mtaProcessEnv (issue 19 item 13)", () => {
  it("pins glibc's mmap threshold at 128 KiB and keeps the rest of the environment", () => {
    const env = mtaProcessEnv({ NODE_ENV: "production", DATABASE_URL: "file:./data/x.db" });
    expect(env).toEqual({ MALLOC_MMAP_THRESHOLD_: "131072", NODE_ENV: "production", DATABASE_URL: "file:./data/x.db" });
  });

  it("keeps an operator's own value", () => {
    expect(mtaProcessEnv({ NODE_ENV: "production", MALLOC_MMAP_THRESHOLD_: "65536" }).MALLOC_MMAP_THRESHOLD_).toBe(
      "65536",
    );
  });
});

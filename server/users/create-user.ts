import { z } from "zod";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { AppError } from "../errors";
import { CREDENTIAL_PROVIDER, hashPassword, password } from "./passwords";
import { role, parseRole } from "./roles";
import { userEmail, userName, userSelect } from "./user-fields";

export const createUserInput = z.object({
  name: userName,
  email: userEmail,
  role,
  password,
});
export type CreateUserInput = z.infer<typeof createUserInput>;

/**
 * Creates a user of the tenant with an email + password login (admins create users; there is no sign-up).
 * The rows are the ones better-auth writes on sign-up (user + credential account), so its sign-in accepts them.
 * Email addresses are unique across all tenants because login is by email alone.
 */
export async function createUser(db: Db, tenantId: string, input: CreateUserInput) {
  const data = createUserInput.parse(input);
  return insertUser(db, tenantId, data, await hashPassword(data.password));
}

/** The user row (and, with a hash, the credential account), refusing an email already in use in any tenant. */
export async function insertUser(db: Db, tenantId: string, data: Omit<CreateUserInput, "password">, hash: string | null) {
  const taken = await db.user.findUnique({ where: { email: data.email }, select: { id: true } });
  if (taken) throw new AppError("CONFLICT", "A user with this email already exists.", { field: "email" });
  const id = newRowId();
  const user = await db.user.create({
    data: {
      id,
      tenantId,
      name: data.name,
      email: data.email,
      role: data.role,
      emailVerified: true,
      ...(hash ? { accounts: { create: { id: newRowId(), accountId: id, providerId: CREDENTIAL_PROVIDER, password: hash } } } : {}),
    },
    select: userSelect,
  });
  return { ...user, role: parseRole(user.role) };
}

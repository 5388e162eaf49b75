/** DKIM signing of outbound mail (R-OUT-1): d= the From domain, s= its selector, with mailauth's signer. */
// The package root also loads BIMI (undici 8), which does not run on Node 20: import the signer directly.
import { dkimSign } from "mailauth/lib/dkim/sign";

/**
 * Returns the message with its DKIM-Signature header prepended (rsa-sha256, relaxed/relaxed). Throws when the
 * signer reports an error: an unsigned message from a domain with a published key would fail DMARC, so it must
 * never be queued silently.
 */
export async function dkimSignMessage(
  raw: Buffer,
  options: { domain: string; selector: string; privateKeyPem: string; signTime?: Date },
): Promise<Buffer> {
  const signature = {
    signingDomain: options.domain,
    selector: options.selector,
    privateKey: options.privateKeyPem,
    canonicalization: "relaxed/relaxed",
    algorithm: "rsa-sha256",
  };
  // The signer only reads `signatureData`; the top-level fields are required by the type but not used.
  const result = await dkimSign(raw, {
    ...signature,
    signatureData: [signature],
    ...(options.signTime ? { signTime: options.signTime } : {}),
  });
  if (result.errors.length || !result.signatures) {
    throw new Error(`DKIM signing failed: ${result.errors[0]?.err.message ?? "no signature produced"}`);
  }
  return Buffer.concat([Buffer.from(result.signatures, "utf8"), raw]);
}

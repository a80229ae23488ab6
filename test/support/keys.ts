import { generateKeyPairSync } from "node:crypto";

let pair: { privateKey: string; publicKey: string } | undefined;

/** One RSA key pair per test process, like the .pem GitHub generates for an App. */
export function appKeyPair(): { privateKey: string; publicKey: string } {
  pair ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return pair;
}

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

let other: { privateKey: string; publicKey: string } | undefined;

/** A second key pair: a fake GitHub holding this public key refuses JWTs signed with appKeyPair's key. */
export function otherKeyPair(): { privateKey: string; publicKey: string } {
  other ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return other;
}

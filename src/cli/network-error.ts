/** Why a connection failed, told apart so the fix fits: DNS, refused, timeout, TLS, or other. */
export interface NetworkFailure {
  kind: "dns" | "refused" | "timeout" | "tls" | "unreachable" | "other";
  /** One line for people: what happened, without secrets. */
  detail: string;
}

const TLS_CODES = /^(CERT_|ERR_TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL)/;

/** Walks an error and its causes (fetch, Octokit and ioredis wrap the socket's error) for a Node error code. */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "ERR_INVALID_ARG_TYPE") return code;
    const name = (e as { name?: unknown }).name;
    if (name === "TimeoutError" || name === "AbortError") return "ETIMEDOUT";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies a connection error to `host` (a URL or host:port); undefined when it is not a network error. */
export function describeNetworkError(error: unknown, host: string): NetworkFailure | undefined {
  const code = errorCode(error);
  const name = hostName(host);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME")
    return { kind: "dns", detail: `cannot resolve the host name ${name} (DNS: ${code})` };
  if (code === "ECONNREFUSED")
    return { kind: "refused", detail: `${host} refused the connection (nothing listens there)` };
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "ECONNRESET" || code === "UND_ERR_SOCKET")
    return { kind: "timeout", detail: `${host} did not answer (${code})` };
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return { kind: "unreachable", detail: `no route to ${host} (${code})` };
  if (code && TLS_CODES.test(code)) return { kind: "tls", detail: `TLS with ${host} failed (${code})` };
  return undefined;
}

/** The fix for a network failure to a service configured by `setting`. */
export function networkFix(failure: NetworkFailure, setting: string, service: string): string {
  switch (failure.kind) {
    case "dns":
      return `check the host name in ${setting} (a typo?) and this machine's DNS (/etc/resolv.conf)`;
    case "refused":
      return `start ${service}, or correct the port in ${setting}`;
    case "timeout":
    case "unreachable":
      return `check that ${service} runs and that a firewall lets this machine reach the host in ${setting}`;
    case "tls":
      return `check the certificate of the host in ${setting} (NODE_EXTRA_CA_CERTS for a private CA)`;
    default:
      return `check ${setting} and that ${service} runs`;
  }
}

function hostName(host: string): string {
  try {
    return new URL(host).hostname;
  } catch {
    return host.replace(/:\d+$/, "");
  }
}

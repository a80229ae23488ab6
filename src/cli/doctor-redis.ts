import { Redis } from "ioredis";
import { hasRedisServer } from "./embedded-redis.js";
import { readMaxmemoryPolicy } from "../queue/redis.js";
import { badSettingResult, redactUrl, type CheckInput, type CheckResult } from "./doctor-check.js";
import { describeNetworkError, networkFix } from "./network-error.js";

/** Redis answers (password and TLS included) and will not evict queued jobs. */
export async function checkRedis(input: CheckInput): Promise<CheckResult> {
  const invalid = badSettingResult("redis", input, ["REDIS_URL"]);
  if (invalid) return invalid;
  const { config, deps } = input;
  if (!config.redisUrl) {
    return hasRedisServer(deps.env)
      ? {
          name: "redis",
          ok: true,
          detail: "REDIS_URL unset; `nightshift start` will run a private redis-server (AOF, noeviction)",
        }
      : {
          name: "redis",
          ok: false,
          detail: "REDIS_URL unset and no redis-server on the PATH",
          fix: "set REDIS_URL=redis://host:6379 or install redis-server",
        };
  }
  const where = redactUrl(config.redisUrl);
  let socketError: Error | undefined;
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: deps.timeoutMs ?? 3000,
  });
  // connect() rejects with "Connection is closed."; the error event carries the socket's real reason.
  redis.on("error", (error: Error) => (socketError ??= error));
  try {
    await redis.connect();
    const policy = await readMaxmemoryPolicy(redis);
    if (policy !== "noeviction") {
      return {
        name: "redis",
        ok: false,
        detail: `${where} answers, but maxmemory-policy is ${policy}`,
        fix: "`CONFIG SET maxmemory-policy noeviction` and put it in redis.conf, or Redis may drop queued jobs",
      };
    }
    return { name: "redis", ok: true, detail: `${where} answers; maxmemory-policy noeviction` };
  } catch (error) {
    const cause = socketError ?? (error as Error);
    const failure = describeNetworkError(cause, where.replace(/^rediss?:\/\/(\*\*\*@)?/, ""));
    if (failure)
      return { name: "redis", ok: false, detail: failure.detail, fix: networkFix(failure, "REDIS_URL", "Redis") };
    const message = cause.message;
    if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message))
      return {
        name: "redis",
        ok: false,
        detail: `${where} refused the credentials (${message})`,
        fix: "put the right password in REDIS_URL (redis://:password@host:6379, or rediss:// for TLS)",
      };
    return {
      name: "redis",
      ok: false,
      detail: `cannot use ${where} (${message})`,
      fix: "start Redis or correct REDIS_URL",
    };
  } finally {
    redis.disconnect();
  }
}

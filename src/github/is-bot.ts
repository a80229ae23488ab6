/** Bots, Nightshift included, never start or steer runs. */
export function isBot(user: { login: string; type?: string | undefined }): boolean {
  return user.type === "Bot" || user.login.endsWith("[bot]");
}

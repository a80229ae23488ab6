import type { Probot } from "probot";

/**
 * A fresh installation token for git over HTTPS (clone, push). Asked through the App's own client so
 * it goes to the configured API host (GitHub Enterprise Server included). Never logged or stored.
 */
export async function installationToken(probot: Probot, installationId: number): Promise<string> {
  const app = await probot.auth();
  const { data } = await app.rest.apps.createInstallationAccessToken({ installation_id: installationId });
  return data.token;
}

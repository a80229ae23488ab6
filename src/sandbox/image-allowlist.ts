import { ECOSYSTEM_IMAGES } from "../config/detect-repo-config.js";
import type { EnvConfig } from "../config/env.js";

/**
 * Images a run may use: the worker's configured image, Nightshift's own toolchain images (built from
 * sandbox/toolchains by `npm run sandbox:build`) and whatever the operator allowed besides.
 */
export function allowedImages(config: Pick<EnvConfig, "sandboxImage" | "sandboxImagesAllowed">): string[] {
  return [...new Set([config.sandboxImage, ...ECOSYSTEM_IMAGES, ...config.sandboxImagesAllowed])];
}

/**
 * The image a repository's `image:` asks for, if the operator allows it; otherwise a message that says
 * what to change. Any image on the engine would otherwise do (one with a setuid shell, or a hostile
 * python3 as the executor).
 */
export function pickImage(
  requested: string | undefined,
  config: Pick<EnvConfig, "sandboxImage" | "sandboxImagesAllowed">,
): { image: string } | { refused: string } {
  const image = requested ?? config.sandboxImage;
  if (allowedImages(config).includes(image)) return { image };
  return {
    refused:
      `the repository's .github/nightshift.yml asks for the image \`${image}\`, which this worker does not allow ` +
      `(allowed: ${allowedImages(config)
        .map((i) => `\`${i}\``)
        .join(", ")}); remove \`image:\` or ask the operator to add it to NIGHTSHIFT_SANDBOX_IMAGES_ALLOWED`,
  };
}

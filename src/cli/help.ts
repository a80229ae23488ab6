/** `nightshift --help` and `nightshift <command> --help`: what each command does, and nothing else. */
export const USAGE = `usage: nightshift <command> [--help]

  start    server and worker in one process tree, for one machine
           (no REDIS_URL: runs a private redis-server; no APP_ID: serves the App setup page)
  server   webhook server and its handler process (no APP_ID: serves the App setup page)
  worker   GPU run worker only, one per GPU machine (needs REDIS_URL); checks its dependencies first
  doctor   checks settings, Redis, the GitHub App, its installs and webhooks, Docker, Ollama, disk
  bench    measures models and settings on the real agent loop (nightshift bench --help)
  --version  prints the version

Settings come from the environment (and .env in the current directory); see README.md.`;

export const COMMAND_HELP: Record<string, string> = {
  start: `usage: nightshift start

Runs everything on one machine: the webhook server, its handler process and the GPU run worker.
With no REDIS_URL it runs a private redis-server (AOF, noeviction) under NIGHTSHIFT_DATA_DIR.
With no APP_ID it serves the first-run setup page instead (open / in a browser): register the
GitHub App from app.yml, or import an existing one; the credentials are written to .env (mode 0600).`,
  server: `usage: nightshift server

Runs the webhook server (POST WEBHOOK_PATH, GET /healthz, the admin page) and its handler process.
Needs APP_ID, PRIVATE_KEY_PATH (or PRIVATE_KEY), WEBHOOK_SECRET and REDIS_URL. With no APP_ID it
serves the first-run setup page instead of exiting, so a container does not restart in a loop.`,
  worker: `usage: nightshift worker

Runs one GPU worker: overnight runs (clone, setup, agent) and the verify and publish stages.
Needs REDIS_URL, APP_ID and the private key. At start it checks Redis (noeviction), Ollama and the
model, Docker and the sandbox images, and the workspace directory (writable, free disk), one line
each; while one fails it says so and checks again every NIGHTSHIFT_PREFLIGHT_RETRY_S seconds (30)
instead of failing at the start of the night.`,
  doctor: `usage: nightshift doctor

Checks each dependency on its own and prints one line per check with the fix for a failure:
settings, Redis, the GitHub App (JWT, permissions against app.yml), that it is installed somewhere,
its webhook URL and last delivery, Docker and the sandbox image, Ollama and the model, the
workspace disk. Exits 0 when all pass, 1 otherwise.`,
  "delivery-worker": `usage: nightshift delivery-worker

The webhook handler process that \`nightshift server\` starts itself; not usually run by hand.`,
};

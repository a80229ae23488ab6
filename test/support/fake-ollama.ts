import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An Ollama-compatible HTTP server; for now it lists pulled models (`GET /api/tags`). */
export async function startFakeOllama(models: string[]): Promise<{ host: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "GET" && req.url === "/api/tags") {
      const body = { models: models.map((name) => ({ name, model: name, modified_at: new Date().toISOString(), size: 4_000_000_000, digest: "sha256:0", details: {} })) };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

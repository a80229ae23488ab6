import { has, hasDir, text, type Detected, type RepoSnapshot } from "./detect-types.js";

/** Requirement files installed before the package itself, in this order, when present at the root. */
const REQUIREMENTS = ["requirements.txt", "requirements-dev.txt", "requirements-test.txt", "dev-requirements.txt"];

/** The venv setup makes lives in HOME, which the agent and the tests see later (on the sandbox's PATH). */
const VENV = '"$HOME/venv"';

/**
 * A Python repository: pytest/tox configuration, `pyproject.toml`, `setup.py`/`setup.cfg` or requirement
 * files. Setup makes a venv in HOME that can see the image's pytest, installs the requirements and the
 * package (editable); the test command is `python -m pytest` (which runs unittest tests too).
 */
export function detectPython(snapshot: RepoSnapshot): Detected | undefined {
  const evidence: string[] = [];
  const pyproject = text(snapshot, "pyproject.toml");
  const setupCfg = text(snapshot, "setup.cfg");
  const tox = text(snapshot, "tox.ini");
  if (has(snapshot, "pytest.ini")) evidence.push("`pytest.ini`");
  if (pyproject !== undefined)
    evidence.push(
      /^\[tool\.pytest\.ini_options\]/m.test(pyproject) ? "`pyproject.toml` configures pytest" : "`pyproject.toml`",
    );
  if (setupCfg !== undefined && /^\[tool:pytest\]/m.test(setupCfg)) evidence.push("`setup.cfg` configures pytest");
  if (tox !== undefined) evidence.push(/^\[pytest\]/m.test(tox) ? "`tox.ini` configures pytest" : "`tox.ini`");
  if (has(snapshot, "setup.py")) evidence.push("`setup.py`");
  const requirements = REQUIREMENTS.filter((name) => has(snapshot, name));
  for (const name of requirements) evidence.push(`\`${name}\``);
  if (has(snapshot, "conftest.py")) evidence.push("`conftest.py`");
  if (evidence.length === 0) return undefined;

  const steps = [`python3 -m venv --system-site-packages ${VENV}`];
  for (const name of requirements) steps.push(`pip install -r ${name}`);
  const installable =
    has(snapshot, "setup.py") || (pyproject !== undefined && /^\[(project|tool\.poetry)\]/m.test(pyproject));
  if (installable) {
    // A setuptools-only build needs nothing from PyPI: the image's setuptools builds it.
    const setuptoolsOnly = pyproject === undefined || setuptoolsBackend(pyproject);
    steps.push(`pip install${setuptoolsOnly ? " --no-build-isolation" : ""} -e .`);
    evidence.push(
      setuptoolsOnly ? "setuptools build → installed editable with the image's setuptools" : "installed editable",
    );
  }
  if (hasDir(snapshot, "tests") || hasDir(snapshot, "test")) evidence.push("a test folder");
  return { ecosystem: "python", setup: steps.join(" && "), test: "python -m pytest", evidence };
}

/** True when `[build-system]` is absent or requires nothing but setuptools and wheel. */
function setuptoolsBackend(pyproject: string): boolean {
  const section = /^\[build-system\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1];
  if (section === undefined) return true;
  const requires = /^requires\s*=\s*\[([\s\S]*?)\]/m.exec(section)?.[1] ?? "";
  const names = [...requires.matchAll(/["']\s*([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!.toLowerCase());
  const backend = /^build-backend\s*=\s*["']([^"']+)["']/m.exec(section)?.[1] ?? "setuptools.build_meta";
  return backend.startsWith("setuptools.") && names.every((n) => n === "setuptools" || n === "wheel");
}

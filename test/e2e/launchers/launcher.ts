/** A way to run the e2e suite in a real VS Code: code-server + Chromium here, desktop VS Code elsewhere. */
export interface LauncherContext {
  /** Root of the repository. */
  root: string;
  vsix: string;
  /** Compiled suite files (absolute), one VS Code window each. */
  suiteFiles: string[];
  /** Fresh copy of examples/ for this run. */
  workspace: string;
  artefactsDir: string;
  /** Scratch folder owned by this run (user data, extensions, browser profile). */
  runDir: string;
}

export interface SuiteResult {
  suiteFile: string;
  passed: boolean;
  seconds: number;
}

export type Launcher = (context: LauncherContext) => Promise<SuiteResult[]>;

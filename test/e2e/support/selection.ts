/**
 * What the launcher tells the test host: which suite file to run now and where artefacts go.
 * Written by the launcher (outside VS Code) into the file named by COROUTINE_LENS_E2E_SELECTION,
 * read by test/e2e/index.ts inside the extension host (the same process env reaches it).
 */
export const SELECTION_ENV = 'COROUTINE_LENS_E2E_SELECTION';

export interface E2eSelection {
  /** Absolute path of the compiled suite file to run. */
  suiteFile: string;
  /** Folder where screenshots are written. */
  artefactsDir: string;
  /** The workspace folder opened in the workbench. */
  workspace: string;
}

/** Tests ask the launcher (which owns the browser) for a screenshot by logging this marker. */
export const SCREENSHOT_MARKER = '[[coroutine-lens:screenshot]]';

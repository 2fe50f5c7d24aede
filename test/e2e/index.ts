/**
 * Entry point VS Code loads inside the extension host (extensionTestsPath): runs the one suite
 * file the launcher selected with mocha and resolves/rejects with its outcome.
 */
import { readFileSync } from 'node:fs';
import Mocha from 'mocha';
import { SELECTION_ENV, type E2eSelection } from './support/selection';

export async function run(): Promise<void> {
  const selectionFile = process.env[SELECTION_ENV];
  if (!selectionFile) throw new Error(`${SELECTION_ENV} is not set: start the e2e tier with npm run test:e2e`);
  const selection = JSON.parse(readFileSync(selectionFile, 'utf8')) as E2eSelection;
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.addFile(selection.suiteFile);
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} e2e test(s) failed`)) : resolve()));
  });
}

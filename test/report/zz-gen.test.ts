import t from 'tap';
import { copyFileSync, mkdirSync } from 'node:fs';
import { sharedPool } from '../helpers/cli.js';
import { ReportCases } from '../helpers/report-cases.js';
const pool = sharedPool(t);
mkdirSync('/tmp/rep', { recursive: true });
t.test('gen', async (t) => {
  const cases = await ReportCases.create(t, pool);
  for (const c of [await cases.multiclass(), await cases.binary(), await cases.multilabel(), await cases.manyClasses()]) {
    copyFileSync(c.file, `/tmp/rep/${c.name}.html`);
    console.log(c.name, c.html.length);
  }
});

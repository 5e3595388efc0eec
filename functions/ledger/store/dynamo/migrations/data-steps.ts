// The steps of the table's upgrades that walk its data (the plan and local commands run them), by name.
import { accountsOnEveryItem } from './accounts.ts';
import type { StepRun } from './index.ts';
import { licenseItemsShape3, pageDigestsShape3 } from './shape.ts';
import { connectorWalkMarks } from './walk-marks.ts';

export const DATA_STEPS: Readonly<Record<string, StepRun>> = {
  'account-on-every-item': accountsOnEveryItem,
  'license-items-shape-3': licenseItemsShape3,
  'page-digests-shape-3': pageDigestsShape3,
  'connector-walk-marks': connectorWalkMarks,
};

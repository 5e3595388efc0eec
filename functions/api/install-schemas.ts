// The HTTP API's shapes for the install base and update pushes: query parameters, the push body, responses.
import { z } from '@hono/zod-openapi';
import { recordId } from '#celigo/schemas';
import { connectorVersions, installView, pushView } from '#ledger/install-schemas';
import { pageOf } from '#ledger/schemas';
import { AccountPageQuery, pageQuery } from './schemas.ts';

export const PUSH_ID_RULE = 'a push id as handed out, e.g. 20261206T120000000Z-a1b2c3';
export const PushParams = z.object({
  id: z
    .string()
    .regex(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/, `id must be ${PUSH_ID_RULE}`)
    .meta({ param: { name: 'id', in: 'path' }, example: '20261206T120000000Z-a1b2c3' }),
});

const outdated = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional()
  .meta({
    param: { name: 'outdated', in: 'query' },
    description: 'Only installs behind the newest version seen on their connector (default false).',
  });

export const InstallsQuery = AccountPageQuery(100).extend({
  connector: recordId.optional().meta({ param: { name: 'connector', in: 'query' } }),
  outdated,
});
export const ConnectorInstallsQuery = AccountPageQuery(100).extend({ outdated });
export const PushesQuery = pageQuery(50);

export const PushBody = z
  .strictObject({
    integrations: z
      .array(recordId)
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'The integrations to update (their `_integrationId`).' }),
    outdated: z
      .boolean()
      .optional()
      .meta({ description: "Every install behind the connector's newest version." }),
    sandboxFirst: z
      .boolean()
      .optional()
      .meta({ description: 'Production integrations go only once every sandbox one has updated.' }),
    batchSize: z.number().int().min(1).max(1000).optional().meta({
      description: 'Integrations per batch; the next goes once the one before has updated (none stuck).',
    }),
  })
  .refine((b) => (b.integrations !== undefined) !== (b.outdated === true), {
    error: 'send integrations or outdated: true (one of the two)',
    path: ['integrations'],
  })
  .meta({ id: 'PushRequest' });

export const InstallView = installView.meta({ id: 'Install' });
export const InstallPage = pageOf(InstallView).meta({ id: 'InstallPage' });
export const PushView = pushView.meta({ id: 'Push' });
export const PushPage = pageOf(PushView).meta({ id: 'PushPage' });
export const ConnectorVersions = connectorVersions.meta({ id: 'ConnectorVersions' });

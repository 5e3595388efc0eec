// Test helper: SQS, SNS and Secrets Manager at the edge, on 127.0.0.1, speaking each service's wire protocol just
// far enough for the calls the handlers make (they have no local peer). Point AWS_ENDPOINT_URL_<SERVICE> here.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EdgeCall {
  service: 'sqs' | 'sns' | 'secretsmanager';
  operation: string;
  /** Queue URL, topic ARN or secret id the call named. */
  target: string;
  /** Message bodies sent or published (empty for GetSecretValue). */
  messages: string[];
}

export interface AwsEdgeStub {
  url: string;
  calls: EdgeCall[];
  close(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `secrets` maps a secret id to its value; an unknown id answers ResourceNotFoundException, as AWS does. */
export async function startAwsEdgeStub(secrets: Record<string, string>): Promise<AwsEdgeStub> {
  const calls: EdgeCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const json = (status: number, type: string, value: unknown) => {
      res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(value));
    };

    // SQS: AWS JSON 1.0.
    if (target.startsWith('AmazonSQS.')) {
      const operation = target.slice('AmazonSQS.'.length);
      const input = JSON.parse(body);
      const entries: { Id: string; MessageBody: string }[] =
        operation === 'SendMessageBatch' ? input.Entries : [{ Id: '0', MessageBody: input.MessageBody }];
      calls.push({
        service: 'sqs',
        operation,
        target: input.QueueUrl,
        messages: entries.map((e) => e.MessageBody),
      });
      // The SDK checks each MD5OfMessageBody against what it sent.
      const sent = entries.map((e) => ({
        Id: e.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: md5(e.MessageBody),
      }));
      const type = 'application/x-amz-json-1.0';
      return json(200, type, operation === 'SendMessageBatch' ? { Successful: sent, Failed: [] } : sent[0]);
    }

    // Secrets Manager: AWS JSON 1.1.
    if (target === 'secretsmanager.GetSecretValue') {
      const { SecretId } = JSON.parse(body);
      calls.push({ service: 'secretsmanager', operation: 'GetSecretValue', target: SecretId, messages: [] });
      const type = 'application/x-amz-json-1.1';
      if (!(SecretId in secrets))
        return json(400, type, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find it",
        });
      return json(200, type, {
        ARN: SecretId,
        Name: SecretId,
        SecretString: secrets[SecretId],
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    }

    // SNS: the AWS query protocol (form in, XML out).
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    if (action === 'Publish' || action === 'PublishBatch') {
      const ids: string[] = [];
      const messages: string[] = [];
      if (action === 'Publish') messages.push(form.get('Message') ?? '');
      for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
        ids.push(form.get(`PublishBatchRequestEntries.member.${n}.Id`)!);
        messages.push(form.get(`PublishBatchRequestEntries.member.${n}.Message`) ?? '');
      }
      calls.push({ service: 'sns', operation: action, target: form.get('TopicArn') ?? '', messages });
      const result =
        action === 'Publish'
          ? `<MessageId>${randomUUID()}</MessageId>`
          : `<Successful>${ids.map((id) => `<member><Id>${xmlEscape(id)}</Id><MessageId>${randomUUID()}</MessageId></member>`).join('')}</Successful><Failed/>`;
      res.writeHead(200, { 'content-type': 'text/xml' });
      return res.end(
        `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result>${result}</${action}Result>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
      );
    }

    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`the edge stub does not speak ${target || action || req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Decodes lifeboat.audit with a Confluent-compatible client that is not Lifeboat's own:
// kafkajs for Kafka and @kafkajs/confluent-schema-registry for the wire format and registry.
// Usage: node read-audit.mjs DATA_DIR [MIN_EVENTS] [TIMEOUT_SECONDS]
// Prints one JSON line per decoded event; exits 0 once MIN_EVENTS were decoded, 1 otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

const [dataDir = 'lifeboat-data', minEvents = '1', timeoutSeconds = '60'] = process.argv.slice(2);
const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'));
const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
const kafka = new Kafka({ clientId: 'confluent-node-check', brokers: endpoints.kafkaBootstrapServers.split(','), logLevel: logLevel.ERROR });
const consumer = kafka.consumer({ groupId: `confluent-node-check-${process.pid}-${Date.now()}` });

let decoded = 0;
const done = (code) => consumer.disconnect().finally(() => process.exit(code));
setTimeout(() => {
  console.error(`decoded ${decoded} audit events, wanted ${minEvents}`);
  done(decoded >= Number(minEvents) ? 0 : 1);
}, Number(timeoutSeconds) * 1000);

await consumer.connect();
await consumer.subscribe({ topic: 'lifeboat.audit', fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    const event = await registry.decode(message.value);
    decoded++;
    console.log(JSON.stringify({ partition, offset: message.offset, action: event.action, subject: event.subject,
      outcome: event.outcome, source: event.header.source, cluster: event.header.cluster }));
    if (decoded >= Number(minEvents)) {
      console.error(`decoded ${decoded} audit events`);
      done(0);
    }
  },
});

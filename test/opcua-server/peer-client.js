// node-opcua's own client, the peer of `twinguard bench opcua`: subscribes to the same items as TwinGuard and counts
// the data-change notifications it receives.
//
//   node peer-client.js ENDPOINT ITEMS WARMUP_S WINDOW_S PUBLISHING_MS
//
// Subscribes to ns=1;s=pump1.extra0 .. extra<ITEMS-1> (sampling 0 = as fast as the server samples), waits WARMUP_S,
// counts for WINDOW_S and prints {"notifications": n, "seconds": s} on stdout.
"use strict";
const { OPCUAClient, AttributeIds, ClientSubscription, ClientMonitoredItemGroup, TimestampsToReturn, MessageSecurityMode, SecurityPolicy } = require("node-opcua");

async function main() {
  const [endpoint, items, warmup, window, publishing] = process.argv.slice(2);
  const client = OPCUAClient.create({ endpointMustExist: false, securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None });
  await client.connect(endpoint);
  const session = await client.createSession();
  const subscription = ClientSubscription.create(session, {
    requestedPublishingInterval: Number(publishing), requestedLifetimeCount: 600, requestedMaxKeepAliveCount: 10,
    maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 0,
  });
  const toMonitor = [];
  for (let i = 0; i < Number(items); i++) toMonitor.push({ nodeId: `ns=1;s=pump1.extra${i}`, attributeId: AttributeIds.Value });
  const group = ClientMonitoredItemGroup.create(subscription, toMonitor, { samplingInterval: 0, queueSize: 100, discardOldest: true }, TimestampsToReturn.Both);
  let count = 0;
  group.on("changed", () => { count++; });
  await new Promise((resolve) => setTimeout(resolve, Number(warmup) * 1000));
  const start = count;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, Number(window) * 1000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ notifications: count - start, seconds }) + "\n");
  await subscription.terminate();
  await session.close();
  await client.disconnect();
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(1); });

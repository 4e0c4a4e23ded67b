// A node-opcua server (the peer TwinGuard's OPC UA client is tested against) serving a simulated pump with the
// sample plant's pump1 signals under ns=1;s=pump1.<signal>.
//
//   node server.js PORT PKI_DIR [--policies none,basic256sha256,aes128_sha256_rsaoaep] [--period MS] [--extra N]
//
// Prints "listening PORT SHA256_OF_SERVER_CERT" once it accepts connections, then obeys one command per stdin line:
//   set SIGNAL VALUE        write VALUE (a second writer spoofing the value; the simulation is stopped for it)
//   status SIGNAL CODE      set the StatusCode (e.g. BadSensorFailure, UncertainLastUsableValue) of SIGNAL's value
//   delete SIGNAL           remove the node from the address space
//   close-sessions          close every active session, as an administrator or an attacker on the server would
//                           (an error when there is none)
//   pause | resume          stop or restart the simulation
//   drop-next-publish       the next data notification message is numbered and kept for Republish but never sent (a
//                           lost PublishResponse): the client sees the following number, a gap; prints "dropped SEQ"
// and stops when stdin closes. The PKI directory holds the server's certificate: a new directory is a new certificate.
"use strict";
const crypto = require("crypto");
const {
  OPCUAServer, OPCUACertificateManager, Variant, DataType, StatusCodes, SecurityPolicy, MessageSecurityMode,
} = require("node-opcua");
const { ServerSidePublishEngine } = require("node-opcua-server");

// The test hook of drop-next-publish: a data PublishResponse is swallowed before it reaches its request, which stays
// queued for the next one. The subscription has already put the message in its retransmission queue (OPC 10000-4
// §5.13.1.1), so a client that notices the gap can fetch it with Republish.
let dropNext = 0;
const sendResponse = ServerSidePublishEngine.prototype._send_response;
ServerSidePublishEngine.prototype._send_response = function (subscription, response) {
  const message = response.notificationMessage;
  if (dropNext > 0 && message && message.notificationData && message.notificationData.length > 0) {
    dropNext--;
    process.stdout.write(`dropped ${message.sequenceNumber}\n`);
    return;
  }
  return sendResponse.call(this, subscription, response);
};

const signals = {
  speed: [1500, 200], flow: [80, 10], pressure: [3, 0.5], motor_current: [6, 1], motor_voltage: [230, 5],
  motor_temp: [60, 2], vibration: [0.4, 0.05],
};

async function main() {
  const args = process.argv.slice(2);
  const port = Number(args[0]);
  const pki = args[1];
  const option = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
  const policies = option("--policies", "none,basic256sha256").split(",");
  const period = Number(option("--period", "100"));
  const extra = Number(option("--extra", "0"));

  const securityPolicies = [];
  const securityModes = [];
  if (policies.includes("none")) { securityPolicies.push(SecurityPolicy.None); securityModes.push(MessageSecurityMode.None); }
  if (policies.includes("basic256sha256")) securityPolicies.push(SecurityPolicy.Basic256Sha256);
  if (policies.includes("aes128_sha256_rsaoaep")) securityPolicies.push(SecurityPolicy.Aes128_Sha256_RsaOaep);
  if (securityPolicies.some((p) => p !== SecurityPolicy.None)) {
    securityModes.push(MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt);
  }

  const serverCertificateManager = new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true });
  const userCertificateManager = new OPCUACertificateManager({ rootFolder: pki + "/users", automaticallyAcceptUnknownCertificate: true });
  const server = new OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    resourcePath: "/UA/Pump",
    serverCertificateManager,
    userCertificateManager,
    securityPolicies,
    securityModes,
    allowAnonymous: true,
    userManager: { isValidUser: (user, password) => user === "operator" && password === "pump-secret" },
    buildInfo: { productName: "TwinGuard test pump", manufacturerName: "TwinGuard tests" },
    serverCapabilities: { maxSessions: 50, minSupportedSampleRate: 1 },
  });
  await server.initialize();

  const addressSpace = server.engine.addressSpace;
  const namespace = addressSpace.getOwnNamespace();
  const pump = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Pump1", nodeId: "s=pump1" });
  const nodes = {};
  const state = { running: true, spoofed: new Set(), status: {} };
  const add = (name, dataType) => {
    nodes[name] = namespace.addVariable({
      componentOf: pump, browseName: name, nodeId: "s=pump1." + name, dataType, minimumSamplingInterval: 1,
      accessLevel: "CurrentRead | CurrentWrite", userAccessLevel: "CurrentRead | CurrentWrite",
    });
  };
  for (const name of Object.keys(signals)) add(name, "Double");
  for (let i = 0; i < extra; i++) { signals["extra" + i] = [100, 10]; add("extra" + i, "Double"); }

  let tick = 0;
  const update = () => {
    if (!state.running) return;
    tick++;
    const now = new Date();
    for (const [name, [mean, amplitude]] of Object.entries(signals)) {
      if (state.spoofed.has(name) || !nodes[name]) continue;
      const value = mean + amplitude * Math.sin(tick / 20 + name.length);
      const status = state.status[name] ?? StatusCodes.Good;
      nodes[name].setValueFromSource(new Variant({ dataType: DataType.Double, value }), status, now);
    }
  };
  update();
  const timer = setInterval(update, period);

  await server.start();
  const certificate = server.getCertificate();
  const fingerprint = crypto.createHash("sha256").update(certificate).digest("hex");
  process.stdout.write(`listening ${port} ${fingerprint}\n`);

  const readline = require("readline").createInterface({ input: process.stdin });
  readline.on("line", (line) => {
    const [command, name, value] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case "set":
          state.spoofed.add(name);
          nodes[name].setValueFromSource(new Variant({ dataType: DataType.Double, value: Number(value) }), StatusCodes.Good, new Date());
          break;
        case "status":
          state.status[name] = StatusCodes[value];
          update();
          break;
        case "delete":
          addressSpace.deleteNode(nodes[name]);
          delete nodes[name];
          break;
        case "close-sessions": {
          // Through the engine, as its own session timeout does: the session leaves the engine's table (a later request
          // naming it is answered BadSessionIdInvalid) and its pending publishes are answered BadSessionClosed. Closing
          // nothing is an error, not an "ok" the test would wait behind for a finding that cannot come.
          const sessions = server.engine.getSessions().filter((session) => session.status === "active");
          if (sessions.length === 0) throw new Error("no active session to close");
          for (const session of sessions) server.engine.closeSession(session.authenticationToken, true, "Terminated");
          break;
        }
        case "drop-next-publish": dropNext++; break;
        case "pause": state.running = false; break;
        case "resume": state.running = true; break;
        default: throw new Error("unknown command " + command);
      }
      process.stdout.write(`ok ${command}\n`);
    } catch (error) {
      process.stdout.write(`error ${command}: ${error.message}\n`);
    }
  });
  readline.on("close", async () => {
    clearInterval(timer);
    await server.shutdown(0);
    process.exit(0);
  });
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error) + "\n"); process.exit(1); });

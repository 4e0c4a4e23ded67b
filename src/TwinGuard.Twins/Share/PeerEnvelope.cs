namespace TwinGuard.Twins.Share;

/// <summary>
/// What travels between sites: a <see cref="PeerMessage"/> as JSON text and the sender's Ed25519 signature over exactly
/// that text's UTF-8 bytes (with the <c>twinguard-peer-message/v1</c> context line), so nothing needs canonical JSON.
/// </summary>
/// <param name="Message">The message JSON, as signed.</param>
/// <param name="Signature">Base64 of the 64-byte Ed25519 signature.</param>
public sealed record PeerEnvelope(string Message, string Signature);

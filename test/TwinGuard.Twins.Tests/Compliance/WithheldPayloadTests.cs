using System.Text;
using TwinGuard.Ledger;
using TwinGuard.Twins.Compliance;

namespace TwinGuard.Twins.Tests.Compliance;

/// <summary>A report never carries a recorded file that still holds a secret: such entries are cited by leaf hash only.</summary>
public sealed class WithheldPayloadTests
{
    [Theory]
    [InlineData("""{"kind":"plant-model","source":"p.yaml","sha256":"ab","content":"devices:\n  - id: a\n    password_hash: \"[redacted]\"\n","redacted":1}""", false)]
    [InlineData("""{"kind":"plant-model","source":"p.yaml","sha256":"ab","content":"devices:\n  - id: a\n    password_hash: pbkdf2-sha256$1000$c2FsdA==$aGFzaA==\n"}""", true)]
    [InlineData("""{"kind":"plant-model","source":"p.yaml","sha256":"ab","content":"devices:\n  - id: a\n    password_hash: pbkdf2-sha256$1000$c2FsdA==$aGFzaA==\n","redacted":0}""", true)]
    [InlineData("not json", true)]
    public void HoldsSecrets_RecordedFile_TrueUnlessRedacted(string payload, bool holds) =>
        Assert.Equal(holds, WithheldPayload.HoldsSecrets(LedgerEntryKind.ConfigChange, Encoding.UTF8.GetBytes(payload)));

    [Fact]
    public void HoldsSecrets_Finding_False() =>
        Assert.False(WithheldPayload.HoldsSecrets(LedgerEntryKind.Finding, "not json"u8));
}

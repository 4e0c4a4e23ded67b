using TwinGuard.Ledger.Notes;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>Inputs afl++ found crashing the signed-note parser (test/TwinGuard.Fuzz/regressions/signed-note).</summary>
public sealed class SignedNoteFuzzRegressionTests
{
    [Theory]
    [InlineData("\n\n")]
    [InlineData("origin\n12\nAAAA=\n\n\u2014 origin AAAA\n\n")]
    public void Parse_BlankLineAtTheVeryEnd_RefusedAsFormat(string note)
    {
        var refused = Assert.Throws<FormatException>(() => SignedNote.Parse(note));

        Assert.Contains("signature line", refused.Message, StringComparison.Ordinal);
    }
}

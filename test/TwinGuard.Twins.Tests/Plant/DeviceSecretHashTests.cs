using System.Security.Cryptography;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class DeviceSecretHashTests
{
    [Fact]
    public void Generate_Secret_IsTheGeneratedShapeAndVerifiesOnlyItself()
    {
        var (secret, hash) = DeviceSecretHash.Generate();
        var (other, _) = DeviceSecretHash.Generate();

        Assert.StartsWith("tgd_", secret, StringComparison.Ordinal);
        Assert.Equal(4 + 43, secret.Length);
        Assert.True(GeneratedSecret.IsWellFormed(secret, DeviceSecretHash.SecretPrefix));
        Assert.True(hash.Verify(secret));
        Assert.False(hash.Verify(other));
        Assert.False(hash.Verify(secret[..^2] + (secret[^2] == 'A' ? 'B' : 'A') + secret[^1]));
        Assert.False(hash.Verify(string.Empty));
    }

    [Theory]
    [InlineData("demo-tank-gateway")]
    [InlineData("correct horse battery staple")]
    [InlineData("tgd_short")]
    public void Verify_HumanPasswordStoredTheFastWay_IsRefusedWithoutHashing(string password)
    {
        // Someone writes a fast verifier over a human password by hand: it never opens, because only the generated shape
        // is hashed at all.
        var salt = RandomNumberGenerator.GetBytes(16);
        var handMade = DeviceSecretHash.Parse(new DeviceSecretHash(salt, GeneratedSecret.Digest(password, salt)).ToString());

        Assert.False(handMade.Verify(password));
    }

    [Fact]
    public void IsWellFormed_SecondSpellingOfTheLastCharacter_IsRefused()
    {
        var (secret, _) = DeviceSecretHash.Generate();
        // 43 characters carry 258 bits: the last one's two low bits are unused, so four characters decode alike. Only
        // the one the encoder writes is accepted: one secret, one spelling.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var last = Alphabet.IndexOf(secret[^1], StringComparison.Ordinal);
        var respelt = secret[..^1] + Alphabet[last ^ 1];

        Assert.False(GeneratedSecret.IsWellFormed(respelt, DeviceSecretHash.SecretPrefix));
        Assert.False(GeneratedSecret.IsWellFormed(secret + "=", DeviceSecretHash.SecretPrefix));
        Assert.False(GeneratedSecret.IsWellFormed("tgk_" + secret[4..], DeviceSecretHash.SecretPrefix));
    }

    [Theory]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData('=')]
    [InlineData(' ')]
    [InlineData('\u00e9')]
    public void Verify_RightLengthWithACharacterOutsideBase64Url_IsRefusedWithoutThrowing(char stranger)
    {
        var (secret, hash) = DeviceSecretHash.Generate();
        var bent = secret[..10] + stranger + secret[11..];

        Assert.False(GeneratedSecret.IsWellFormed(bent, DeviceSecretHash.SecretPrefix));
        Assert.False(hash.Verify(bent));
    }

    [Fact]
    public void Parse_StoredForm_RoundTripsAndStillVerifies()
    {
        var (secret, hash) = DeviceSecretHash.Generate();

        var text = hash.ToString();
        var parsed = DeviceSecretHash.Parse(text);

        Assert.StartsWith("tgd-sha256$", text, StringComparison.Ordinal);
        Assert.Equal(text, parsed.ToString());
        Assert.True(parsed.Verify(secret));
        Assert.DoesNotContain(secret[4..], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EachKindInTheOthersPlace_SaysWhereItBelongs()
    {
        var pbkdf2 = PasswordHash.Create("demo", 1000).ToString();
        var secret = DeviceSecretHash.Generate().Hash.ToString();

        Assert.Contains("password_hash", Assert.Throws<FormatException>(() => DeviceSecretHash.Parse(pbkdf2)).Message, StringComparison.Ordinal);
        Assert.Contains("secret_hash", Assert.Throws<FormatException>(() => PasswordHash.Parse(secret)).Message, StringComparison.Ordinal);
        Assert.Contains("16 bytes", Assert.Throws<FormatException>(() => DeviceSecretHash.Parse("tgd-sha256$c2FsdA==$" + Convert.ToBase64String(new byte[32]))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unmatchable_AnySecret_Fails()
    {
        var dummy = DeviceSecretHash.Unmatchable();

        Assert.False(dummy.Verify(DeviceSecretHash.Generate().Secret));
        Assert.NotEqual(dummy.ToString(), DeviceSecretHash.Unmatchable().ToString());
    }
}

namespace TwinGuard.Server.Commands;

/// <summary>How the ledger commands print a proof for people.</summary>
internal static class ProofText
{
    /// <summary>Prints a proof's hash path and whether it verified, for people.</summary>
    public static void PrintPath(string title, IReadOnlyList<byte[]> path, bool verified)
    {
        Console.Out.WriteLine($"{title} ({path.Count} hashes):");
        foreach (var hash in path)
        {
            Console.Out.WriteLine("  " + Convert.ToHexStringLower(hash));
        }

        Console.Out.WriteLine(verified ? "proof verified with the ledger's public key" : "PROOF DOES NOT VERIFY");
    }
}

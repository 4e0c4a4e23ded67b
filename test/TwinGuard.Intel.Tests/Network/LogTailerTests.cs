using System.Text;
using TwinGuard.Intel.Network;

namespace TwinGuard.Intel.Tests.Network;

public sealed class LogTailerTests
{
    private static void Append(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public void ReadLines_PartialLastLine_WaitsForItsNewline()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        using var tailer = new LogTailer(path);
        Assert.Empty(tailer.ReadLines()); // not there yet

        Append(path, "one\r\ntw");
        Assert.Equal(["one"], tailer.ReadLines());
        Append(path, "o\nthree");
        Assert.Equal(["two"], tailer.ReadLines());
        Assert.Empty(tailer.ReadLines());
        Append(path, "\n");
        Assert.Equal(["three"], tailer.ReadLines());
    }

    [Fact]
    public void ReadLines_TruncatedInPlace_StartsOver()
    {
        using var temp = new TempDirectory();
        var path = temp.File("conn.log");
        using var tailer = new LogTailer(path);
        Append(path, "old line 1\nold line 2\nold part");
        Assert.Equal(2, tailer.ReadLines().Count);

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(0);
        }

        Append(path, "new\n");

        Assert.Equal(["new"], tailer.ReadLines());
        Assert.Equal(1, tailer.Truncations);
        Assert.Equal(8, tailer.DiscardedBytes);
    }

    [Fact]
    public void ReadLines_Rotated_FinishesOldFileThenReadsNewOne()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        using var tailer = new LogTailer(path);
        Append(path, "a1\n");
        Assert.Equal(["a1"], tailer.ReadLines());

        Append(path, "a2\na3-unterminated");
        File.Move(path, path + ".1");
        Append(path, "b1\n");

        Assert.Equal(["a2", "a3-unterminated", "b1"], tailer.ReadLines());
        Assert.Equal(1, tailer.Rotations);
        Append(path, "b2\n");
        Assert.Equal(["b2"], tailer.ReadLines());
    }

    [Fact]
    public void ReadLines_RotatedToLongerFile_RecognisedByContent()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        using var tailer = new LogTailer(path);
        Append(path, "first file\n");
        tailer.ReadLines();

        File.Move(path, path + ".1");
        Append(path, "second file, already longer than the first\n");

        Assert.Equal(["second file, already longer than the first"], tailer.ReadLines());
        Assert.Equal(1, tailer.Rotations);
    }

    [Fact]
    public void ReadLines_LineLongerThanLimit_IsDroppedAndTheNextOneRead()
    {
        using var temp = new TempDirectory();
        var path = temp.File("eve.json");
        using var tailer = new LogTailer(path);
        var huge = new string('x', LogTailer.MaxLineBytes + 100_000);

        Append(path, "before\n" + huge[..700_000]);
        Assert.Equal(["before"], tailer.ReadLines());
        Append(path, huge[700_000..] + "\nafter\n");

        Assert.Equal(["after"], tailer.ReadLines());
        Assert.Equal(huge.Length, tailer.DiscardedBytes);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Server.Hosting;
using TwinGuard.Testing;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>
/// A real rsyslogd (Debian's <c>rsyslog</c> with <c>rsyslog-relp</c>'s imrelp) listening for RELP on a free loopback
/// port, with its own configuration and work directory in a temporary folder (never the system's), writing every
/// message it takes to one file. It can be killed (SIGKILL) and started again on the same port and file.
/// </summary>
/// <remarks>
/// The main queue is <c>Direct</c>, so imrelp answers <c>rsp 200</c> only after omfile has written and flushed the
/// message: what the collector acknowledged is in the file even when it is killed right after. With <c>tls</c>, imrelp
/// speaks RELP inside TLS (OpenSSL) with a server certificate for 127.0.0.1 issued by a CA made for the test
/// (<see cref="CaPath"/>).
/// </remarks>
internal sealed class RsyslogRelpCollector : IDisposable
{
    private const string Rsyslogd = "/usr/sbin/rsyslogd";
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-rsyslog-").FullName;
    private Process? _process;

    public RsyslogRelpCollector(bool tls = false)
    {
        if (!File.Exists(Rsyslogd) || !File.Exists("/usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so") && !Directory.EnumerateFiles("/usr/lib", "imrelp.so", SearchOption.AllDirectories).Any())
        {
            throw new InvalidOperationException("rsyslogd with imrelp is not installed: run ./test.sh, or apt-get install -y rsyslog-relp");
        }

        Port = LoopbackPorts.Free();
        Directory.CreateDirectory(Path.Combine(_dir, "work"));
        var tlsLibrary = string.Empty;
        var tlsInput = string.Empty;
        if (tls)
        {
            WriteCertificates();
            tlsLibrary = " tls.tlslib=\"openssl\"";
            tlsInput = $" tls=\"on\" tls.cacert=\"{CaPath}\" tls.mycert=\"{Path.Combine(_dir, "server.crt")}\" tls.myprivkey=\"{Path.Combine(_dir, "server.key")}\"";
        }

        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $$"""
            global(workDirectory="{{Path.Combine(_dir, "work")}}" maxMessageSize="64k")
            main_queue(queue.type="Direct")
            module(load="imrelp"{{tlsLibrary}})
            template(name="raw" type="string" string="%rawmsg%\n")
            ruleset(name="relp") {
              action(type="omfile" file="{{ReceivedPath}}" template="raw" flushOnTXEnd="on" asyncWriting="off")
            }
            input(type="imrelp" address="127.0.0.1" port="{{Port}}" ruleset="relp" maxDataSize="64k"{{tlsInput}})
            """));
    }

    /// <summary>The RELP port (the same across restarts).</summary>
    public int Port { get; }

    /// <summary>The file every received message is appended to, one per line.</summary>
    public string ReceivedPath => Path.Combine(_dir, "received.log");

    /// <summary>With TLS: the PEM certificate of the CA that issued the collector's certificate.</summary>
    public string CaPath => Path.Combine(_dir, "ca.crt");

    private string ConfigPath => Path.Combine(_dir, "rsyslog.conf");

    /// <summary>Writes the PEM certificate of a new self-signed P-256 CA; returns it with its key (for issuing).</summary>
    public static X509Certificate2 WriteCa(string certificatePath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TwinGuard test RELP CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificatePath, ca.ExportCertificatePem());
        return ca;
    }

    private void WriteCertificates()
    {
        using var ca = WriteCa(CaPath);
        using var caKey = ca.GetECDsaPrivateKey()!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        File.WriteAllText(Path.Combine(_dir, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_dir, "server.key"), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Every line received so far.</summary>
    public IReadOnlyList<string> Received()
    {
        if (!File.Exists(ReceivedPath))
        {
            return [];
        }

        using var stream = new FileStream(ReceivedPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var complete = text.LastIndexOf('\n');
        return complete < 0 ? [] : text[..complete].Split('\n');
    }

    /// <summary>Starts rsyslogd in the foreground and returns once its RELP port takes connections.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Rsyslogd)
        {
            ArgumentList = { "-n", "-f", ConfigPath, "-i", Path.Combine(_dir, "rsyslogd.pid") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("rsyslogd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Eventually.HoldsAsync(
            () => process.HasExited ? throw new InvalidOperationException($"rsyslogd exited with {process.ExitCode}") : Listening(),
            up => up, TimeSpan.FromSeconds(30), $"rsyslogd listening on 127.0.0.1:{Port}");
    }

    /// <summary>Kills rsyslogd (SIGKILL: no shutdown, no flush) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private bool Listening()
    {
        // The listening socket in /proc/net/tcp (state 0A), not a probe connection that imrelp would log as a broken session.
        var hexPort = Port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(":" + hexPort, StringComparison.Ordinal) && f[3] == "0A");
    }

}

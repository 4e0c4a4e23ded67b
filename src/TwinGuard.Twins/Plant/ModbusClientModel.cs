using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>A Modbus client (HMI, engineering station, SCADA) that the guard lets through, identified by its IP address.</summary>
/// <param name="Id">The client's identity: findings name it, and playbooks quarantine it as a source.</param>
/// <param name="Address">The IP address it connects from.</param>
/// <param name="MayWrite">True when it may write the guard's writable registers; false for read-only clients.</param>
public sealed record ModbusClientModel(string Id, IPAddress Address, bool MayWrite);

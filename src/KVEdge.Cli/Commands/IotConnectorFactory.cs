using KVEdge.Core.IotHub;

namespace KVEdge.Cli.Commands;

/// <summary>Makes the connector a command reaches IoT Hub and DPS through: the real hosts, or in tests the doubles.</summary>
public delegate IotServiceConnector IotConnectorFactory();

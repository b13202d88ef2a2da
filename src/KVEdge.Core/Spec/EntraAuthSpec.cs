namespace KVEdge.Core.Spec;

/// <summary>
/// Entra ID tokens instead of a policy key (learn.microsoft.com/azure/iot-hub/authenticate-authorize-azure-ad): the
/// identity of wherever kvedge runs, found as Azure.Identity's DefaultAzureCredential finds it (the environment's
/// AZURE_* variables, workload identity in a cluster, a managed identity, the Azure CLI's login). Nothing to give here:
/// no credential is ever in the spec.
/// </summary>
public sealed class EntraAuthSpec
{
}

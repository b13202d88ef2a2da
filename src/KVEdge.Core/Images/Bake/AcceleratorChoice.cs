namespace KVEdge.Core.Images.Bake;

public enum AcceleratorChoice
{
    Auto,
    Kvm,
    Tcg,
}

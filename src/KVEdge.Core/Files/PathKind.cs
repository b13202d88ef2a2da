namespace KVEdge.Core.Files;

/// <summary>What a path names, without following a final symbolic link (lstat).</summary>
public enum PathKind
{
    Missing,
    RegularFile,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

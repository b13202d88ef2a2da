namespace KVEdge.Cli;

/// <summary>Documented exit codes; scripts depend on them, so values never change.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed that is not the input's fault (I/O, an internal error).</summary>
    public const int Failure = 1;

    /// <summary>The input, or the command line, is invalid; nothing was written or applied.</summary>
    public const int InvalidInput = 2;
}

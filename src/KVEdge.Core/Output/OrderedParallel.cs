namespace KVEdge.Core.Output;

/// <summary>
/// Maps a list on every core and keeps its order, so that output is the same bytes however the work was split. Small
/// lists stay on the calling thread: for one device, waking the thread pool would cost more than the work.
/// </summary>
public static class OrderedParallel
{
    public const int MinItems = 16;

    public static TOut[] Select<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> map)
    {
        var results = new TOut[items.Count];
        if (items.Count < MinItems || Environment.ProcessorCount == 1)
        {
            for (var i = 0; i < items.Count; i++)
            {
                results[i] = map(items[i]);
            }

            return results;
        }

        try
        {
            Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => results[i] = map(items[i]));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // Callers see the exception a serial loop would have thrown, not the thread pool's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }

        return results;
    }
}

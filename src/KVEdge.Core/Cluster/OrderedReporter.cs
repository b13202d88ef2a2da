namespace KVEdge.Core.Cluster;

/// <summary>
/// Passes a fleet's progress on in the input's order while its devices are applied concurrently: the first unfinished
/// device streams live, the others' events wait until every device before them has finished. The same fleet prints
/// the same lines in the same order, whatever order the server answered in.
/// </summary>
public sealed class OrderedReporter
{
    private readonly IInstallReporter inner;
    private readonly List<Action<IInstallReporter>>[] pending;
    private readonly bool[] done;
    private readonly Lock gate = new();
    private int head;

    public OrderedReporter(IInstallReporter inner, int count)
    {
        this.inner = inner;
        pending = [.. Enumerable.Range(0, count).Select(_ => new List<Action<IInstallReporter>>())];
        done = new bool[count];
    }

    public IInstallReporter For(int index) => new Device(this, index);

    /// <summary>The device at <paramref name="index"/> has nothing more to say.</summary>
    public void Complete(int index)
    {
        lock (gate)
        {
            done[index] = true;
            while (head < done.Length && done[head])
            {
                head++;
                if (head < done.Length)
                {
                    pending[head].ForEach(e => e(inner));
                    pending[head].Clear();
                }
            }
        }
    }

    private void Post(int index, Action<IInstallReporter> e)
    {
        lock (gate)
        {
            if (index == head)
            {
                e(inner);
            }
            else
            {
                pending[index].Add(e);
            }
        }
    }

    private sealed class Device(OrderedReporter owner, int index) : IInstallReporter
    {
        public void Applied(Change change) => owner.Post(index, r => r.Applied(change));

        public void Waiting(string device, string what) => owner.Post(index, r => r.Waiting(device, what));

        public void Stage(string device, WaitStage stage, string what) => owner.Post(index, r => r.Stage(device, stage, what));

        public void ImportProgress(string device, string dataVolume, string progress) => owner.Post(index, r => r.ImportProgress(device, dataVolume, progress));

        public void Warning(string device, string message) => owner.Post(index, r => r.Warning(device, message));
    }
}

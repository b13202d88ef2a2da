namespace KVEdge.Core.Actions;

/// <summary>Progress for a person: lines, and a bar around long work (a terminal draws it; elsewhere it is nothing).</summary>
public interface IImageReporter
{
    void Line(string text);

    Task<T> WithProgress<T>(string label, long total, Func<IProgress<long>?, Task<T>> work);
}

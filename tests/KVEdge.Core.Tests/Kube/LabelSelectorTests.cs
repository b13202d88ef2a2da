using System.Text.Json.Nodes;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Tests.Kube;

/// <summary>Label selectors as the API server reads them: a metav1.LabelSelector matched, a selector's text checked.</summary>
public sealed class LabelSelectorTests
{
    private static readonly JsonObject Labels = new() { ["site"] = "plant-7", ["ring"] = "pilot" };

    [Theory]
    [InlineData("""{}""", true)]
    [InlineData("""{"matchLabels":{"site":"plant-7"}}""", true)]
    [InlineData("""{"matchLabels":{"site":"plant-8"}}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"ring","operator":"In","values":["pilot","early"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"ring","operator":"NotIn","values":["pilot"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"site","operator":"Exists"}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"site","operator":"DoesNotExist"}]}""", false)]
    [InlineData("""{"matchLabels":{"site":"plant-7"},"matchExpressions":[{"key":"ring","operator":"DoesNotExist"}]}""", false)]
    public void A_selector_matches_as_the_API_server_does(string selector, bool matches)
    {
        Assert.Equal(matches, LabelSelector.Matches(JsonNode.Parse(selector)!.AsObject(), Labels, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"ring","operator":"In"}]}""", "matchExpressions[0]: operator In needs values")]
    [InlineData("""{"matchExpressions":[{"key":"ring","operator":"Exists","values":["x"]}]}""", "matchExpressions[0]: operator Exists takes no values")]
    [InlineData("""{"matchExpressions":[{"key":"ring","operator":"Near"}]}""", "matchExpressions[0]: operator Near is not In, NotIn, Exists or DoesNotExist")]
    public void A_malformed_selector_is_said(string selector, string expected)
    {
        Assert.Null(LabelSelector.Matches(JsonNode.Parse(selector)!.AsObject(), Labels, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("ring=pilot", true)]
    [InlineData("ring==pilot,site!=plant-8", true)]
    [InlineData("ring in (pilot, early),!legacy", true)]
    [InlineData("example.com/ring notin (a)", true)]
    [InlineData("ring", true)]
    [InlineData("a=b=c", false)]
    [InlineData("ring=pilot\n", false)]
    [InlineData("ring in pilot", false)]
    [InlineData("", false)]
    [InlineData("-ring=x", false)]
    public void A_selectors_text_is_checked_before_anything_is_applied(string text, bool valid) => Assert.Equal(valid, LabelSelectorText.IsValid(text));

    [Fact]
    public void A_selector_is_formatted_as_its_text_which_the_text_check_accepts()
    {
        var text = LabelSelector.Format(JsonNode.Parse("""
            {"matchLabels":{"site":"plant-7","ring":"pilot"},"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]},{"key":"legacy","operator":"DoesNotExist"}]}
            """)!.AsObject());
        Assert.Equal("ring=pilot,site=plant-7,zone in (a,b),!legacy", text);
        Assert.True(LabelSelectorText.IsValid(text));
    }
}

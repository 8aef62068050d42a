using Tier2.Functions.Storage;

namespace Tier2.Functions.Tests.Hosting;

public sealed class TableKeysTests
{
    [Theory]
    [InlineData("Contoso #1", "Contoso %231")]
    [InlineData("A/B Services", "A%2FB Services")]
    [InlineData("x\\y?z|w%", "x%5Cy%3Fz%7Cw%25")]
    [InlineData("plain name", "plain name")]
    public void Characters_that_table_keys_refuse_are_percent_encoded(string text, string expected) =>
        Assert.Equal(expected, TableKeys.Escape(text));

    [Fact]
    public void Escaping_is_one_to_one_and_keeps_prefixes()
    {
        Assert.NotEqual(TableKeys.Escape("a#b@x.example"), TableKeys.Escape("a_b@x.example"));
        Assert.NotEqual(TableKeys.Escape("a%23b"), TableKeys.Escape("a#b"));
        Assert.StartsWith(TableKeys.Escape("contoso #"), TableKeys.Escape("contoso #1 ltd"), StringComparison.Ordinal);
    }
}

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ConvoCanvas.Web.Tests;

/// <summary>
/// Every browser test shares one silo and one browser, and runs one at a time: the tests read and
/// write the same database, and a silo start costs more than all the tests together.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}

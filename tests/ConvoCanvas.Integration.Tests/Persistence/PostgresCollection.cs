using ConvoCanvas.Testing;

namespace ConvoCanvas.Integration.Tests.Persistence;

/// <summary>One PostgreSQL server for every persistence test; each test gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Postgres";
}

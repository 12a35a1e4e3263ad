using System.Data;
using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres.Reads;

internal sealed partial class PostgresReads
{
    private const string TextMatch = "search @@ @query::tsquery";
    private const int TextCountLimit = 100;

    /// <summary>
    /// The filtered or sorted listing, read as <see cref="TaskListPlan"/> chooses; q matches the
    /// tasks' search vector (the store's word rules, SearchText). The planner has statistics, so a
    /// statement names no index; the walk is a subquery it cannot do otherwise.
    /// </summary>
    private RowPage<TaskRow> Search(TaskFilter filter, TaskSearch search)
    {
        string? query = null;
        if (search.Text is not null && (query = SearchText.Query(search.Text)) is null) return new RowPage<TaskRow>([], false);
        var rows = Read(db =>
        {
            using var reader = new PageReader(db, query);
            var rows = TaskListPlan.Read(reader, filter, search, (f, s) => TaskListPlan.NarrowOf(f, s, TextMatch, Dialect));
            reader.End();
            return rows;
        });
        return RowPage<TaskRow>.Of(rows, filter.Limit);
    }

    private sealed class PageReader(NpgsqlConnection db, string? query) : ITaskPageReader, IDisposable
    {
        private NpgsqlTransaction? _snapshot;

        // Full-text matches are counted only to TextCountLimit: GIN has no index-only scan, so each
        // counted match is a heap visit (1,000 of them cost more than the walk they would spare).
        public long Count(NarrowIndex narrow, TaskFilter filter, TaskSearch search, int upTo)
        {
            var args = new DynamicParameters();
            TaskListQuery.Filters(filter, search, Dialect, args, null);
            if (query is not null) args.Add("query", query);
            var limit = narrow.IsText ? Math.Min(upTo, TextCountLimit) : upTo;
            args.Add("upTo", limit);
            var count = db.ExecuteScalar<long>($"SELECT count(*) FROM (SELECT 1 FROM tasks WHERE {narrow.Count} LIMIT @upTo) c", args);
            return count >= limit ? upTo : count;
        }

        public List<TaskRow> Statement(TaskFilter filter, TaskSearch search, NarrowIndex? narrow, TaskPosition? after, int take)
        {
            var (sql, args) = TaskListQuery.Build(filter, search, Dialect, query is null ? null : TextMatch, after, take);
            if (query is not null) args.Add("query", query);
            return db.Query<TaskRow>(sql, args).AsList();
        }

        // The sort's index in order as a subquery with its own LIMIT, which the planner neither
        // flattens nor pushes the filters into; the outer ORDER BY is the subquery's, so no sort.
        public List<TaskRow> Walk(TaskFilter filter, TaskSearch search, TaskPosition? after, int budget, int take)
        {
            var args = new DynamicParameters();
            var order = TaskListQuery.Order(search.Sort);
            var range = TaskListQuery.SortRange(search, after, args);
            var where = TaskListQuery.Filters(filter, search, Dialect, args, query is null ? null : TextMatch);
            if (query is not null) args.Add("query", query);
            args.Add("budget", budget);
            args.Add("take", take);
            var sql = $"""
                SELECT {TaskRow.Select} FROM (
                  SELECT * FROM tasks {Where(range)} ORDER BY {order.OrderBy} LIMIT @budget) tasks
                {Where(where)} ORDER BY {order.OrderBy} LIMIT @take
                """;
            return db.Query<TaskRow>(sql, args).AsList();
        }

        public TaskPosition? WalkEnd(TaskSearch search, TaskPosition? after, int budget)
        {
            var args = new DynamicParameters();
            var order = TaskListQuery.Order(search.Sort);
            var range = TaskListQuery.SortRange(search, after, args);
            args.Add("skip", budget - 1);
            return db.QuerySingleOrDefault<TaskPosition>(
                $"SELECT {order.Position} FROM tasks {Where(range)} ORDER BY {order.OrderBy} LIMIT 1 OFFSET @skip", args);
        }

        public void BeginSnapshot() => _snapshot ??= db.BeginTransaction(IsolationLevel.RepeatableRead);

        public void End() => _snapshot?.Commit();

        public void Dispose() => _snapshot?.Dispose();

        private static string Where(List<string> terms) => terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms.Distinct());
    }
}

using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

internal sealed partial class SqliteReads
{
    private const string TextMatch = "rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH @match)";

    /// <summary>
    /// The filtered or sorted listing, read as <see cref="TaskListPlan"/> chooses; q matches through
    /// tasks_fts (title and description, the store's word rules). A q with no term that can match
    /// gives an empty page. SQLite has no statistics, so each statement names its index.
    /// </summary>
    private RowPage<TaskRow> Search(TaskFilter filter, TaskSearch search)
    {
        string? match = null;
        if (search.Text is not null && (match = FtsMatch.Build(search.Text)) is null) return new RowPage<TaskRow>([], false);
        using var db = Open();
        using var reader = new PageReader(db, match);
        var rows = TaskListPlan.Read(reader, filter, search,
            (f, s) => TaskListPlan.NarrowOf(f, s, TextMatch, Dialect));
        return RowPage<TaskRow>.Of(rows, filter.Limit);
    }

    private sealed class PageReader(SqliteConnection db, string? match) : ITaskPageReader, IDisposable
    {
        private ReadSnapshot? _snapshot;

        public long Count(NarrowIndex narrow, TaskFilter filter, TaskSearch search, int upTo)
        {
            var args = Args(filter, search);
            args.Add("upTo", upTo);
            var sql = narrow.IsText
                ? "SELECT count(*) FROM (SELECT 1 FROM tasks_fts WHERE tasks_fts MATCH @match LIMIT @upTo)"
                : $"SELECT count(*) FROM (SELECT 1 FROM tasks INDEXED BY {narrow.Index} WHERE {narrow.Count} LIMIT @upTo)";
            return db.ExecuteScalar<long>(sql, args);
        }

        // Through the narrow index when given (the text's: the FTS rowids, looked up by rowid), else
        // the planner's choice, which with no equality filter is the sort's index.
        public List<TaskRow> Statement(TaskFilter filter, TaskSearch search, NarrowIndex? narrow, TaskPosition? after, int take)
        {
            var source = narrow switch
            {
                null => "tasks",
                { IsText: true } => "tasks NOT INDEXED",
                _ => $"tasks INDEXED BY {narrow.Index}",
            };
            var (sql, args) = TaskListQuery.Build(filter, search, Dialect, match is null ? null : TextMatch, after, take, source);
            if (match is not null) args.Add("match", match);
            return db.Query<TaskRow>(sql, args).AsList();
        }

        // The sort's index in order (a co-routine, read lazily: the outer query has no ORDER BY of
        // its own, so it stops at the page's last row), each entry joined to its row by rowid. The
        // text match is tested on the index entry's rowid before the row is read.
        public List<TaskRow> Walk(TaskFilter filter, TaskSearch search, TaskPosition? after, int budget, int take)
        {
            var args = new DynamicParameters();
            var order = TaskListQuery.Order(search.Sort);
            var range = TaskListQuery.SortRange(search, after, args);
            var where = TaskListQuery.Filters(filter, search, Dialect, args, null);
            if (match is not null) { where.Insert(0, "w.hit"); args.Add("match", match); }
            args.Add("budget", budget);
            args.Add("take", take);
            var sql = $"""
                SELECT {TaskRow.Select} FROM (
                  SELECT rowid AS r, {(match is null ? "1" : TextMatch)} AS hit FROM tasks INDEXED BY {order.Index}
                  {Where(range)} ORDER BY {order.OrderBy} LIMIT @budget) w
                CROSS JOIN tasks ON tasks.rowid = w.r
                {Where(where)} LIMIT @take
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
                $"SELECT {order.Position} FROM tasks INDEXED BY {order.Index} {Where(range)} ORDER BY {order.OrderBy} LIMIT 1 OFFSET @skip", args);
        }

        public void BeginSnapshot() => _snapshot ??= ReadSnapshot.Begin(db);

        public void Dispose() => _snapshot?.Dispose();

        private DynamicParameters Args(TaskFilter filter, TaskSearch search)
        {
            var args = new DynamicParameters();
            TaskListQuery.Filters(filter, search, Dialect, args, null);
            if (match is not null) args.Add("match", match);
            return args;
        }

        private static string Where(List<string> terms) => terms.Count == 0 ? "" : "WHERE " + string.Join(" AND ", terms.Distinct());
    }
}

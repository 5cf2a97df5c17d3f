using System.CommandLine;
using System.Globalization;
using ConvoCanvas.Abstractions;
using ConvoCanvas.Content.Series;
using ConvoCanvas.Content.Text;
using Spectre.Console;

namespace ConvoCanvas.Cli.Commands;

/// <summary><c>series plan|show|draft|posts|export</c>: a blog series made from the notes and conversations.</summary>
internal static class SeriesCommand
{
    public static Command Create()
    {
        var command = new Command("series", "Plan, draft, post and export a blog series made from your notes and conversations.");
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Draft());
        command.Subcommands.Add(Posts());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command Plan()
    {
        var topic = new Option<string>("--topic") { Description = "what the series is about", Required = true };
        var from = new Option<DateTimeOffset?>("--from") { Description = "only sources from this date (yyyy-MM-dd)" };
        var to = new Option<DateTimeOffset?>("--to") { Description = "only sources until this date (yyyy-MM-dd), that day included" };
        var episodes = new Option<int>("--episodes") { Description = "how many episodes (fewer when the sources do not make that many)", DefaultValueFactory = _ => 8 };
        var vault = new Option<string?>("--vault") { Description = "only this vault's notes (conversations still count)" };
        var replace = new Option<bool>("--replace") { Description = "plan over a series of another topic with the same name" };
        var command = new Command("plan", "Plan a series: episodes by time and topic, each with a title, dates, key moments and its sources.") { topic, from, to, episodes, vault, replace };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var request = new SeriesPlanRequest
            {
                Topic = parse.GetValue(topic)!,
                From = parse.GetValue(from),
                To = parse.GetValue(to) is { } until ? until.AddDays(1).AddTicks(-1) : null,
                Episodes = parse.GetValue(episodes),
                Vault = parse.GetValue(vault),
                Replace = parse.GetValue(replace),
            };
            var slug = TextLength.Slug(request.Topic);
            var grain = connection.Client.GetGrain<IBlogSeriesGrain>(slug);
            var plan = parse.WantsJson()
                ? await grain.PlanAsync(request)
                : await CommandRunner.Screen.Status().StartAsync($"planning '{Markup.Escape(request.Topic)}'", _ => grain.PlanAsync(request));
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new
                {
                    slug = plan.Slug,
                    topic = plan.Topic,
                    episodes = plan.Episodes.Select(e => new
                    {
                        n = e.Number,
                        title = e.Title,
                        from = e.From,
                        to = e.To,
                        moments = e.Moments.Select(m => new { at = m.At, text = m.Text }),
                        sources = e.Sources.Select(s => new { path = s.Path, anchor = s.Anchor, kind = s.Kind, title = s.Title, at = s.At }),
                    }),
                    notes = plan.Notes,
                });
                return 0;
            }
            PrintPlan(plan);
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var slug = new Argument<string>("slug") { Description = "the series (as plan printed it)" };
        var command = new Command("show", "The plan, each episode's drafts, and drafting or posting under way.") { slug };
        command.SetGrainAction(async (parse, connection, _) =>
        {
            var view = await Get(connection, parse.GetValue(slug)!);
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(view);
                return 0;
            }
            PrintPlan(view.Plan);
            foreach (var episode in view.Plan.Episodes)
            {
                var latest = view.Latest.FirstOrDefault(d => d.Episode == episode.Number);
                Console.WriteLine(latest is null
                    ? $"episode {episode.Number}: not drafted"
                    : $"episode {episode.Number}: draft v{latest.Version} ({latest.Kind}{(latest.Model is null ? "" : $", {latest.Model}")}), {latest.Citations.Count} sources cited, {view.Versions.GetValueOrDefault(episode.Number)} version(s)");
            }
            if (view.Job is { } job)
            {
                Console.WriteLine($"{job.Kind}: {(job.Running ? "running" : "done")}, {job.Done} of {job.Total}{(job.Current is null ? "" : $", now {job.Current}")}");
            }
            return 0;
        });
        return command;
    }

    private static Command Draft()
    {
        var slug = new Argument<string>("slug") { Description = "the series" };
        var episode = new Option<int?>("--episode") { Description = "draft only this episode" };
        var noModel = new Option<bool>("--no-model") { Description = "the extractive draft (quoted from the sources), without asking a model" };
        var kind = new Option<string?>("--kind") { Description = "the router's task kind for the model (summarise by default)" };
        var model = new Option<string?>("--model") { Description = "a model by name" };
        var command = new Command("draft", "Draft the episodes (through the router at batch priority; extractive when no model can), keeping earlier versions.") { slug, episode, noModel, kind, model };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var name = parse.GetValue(slug)!;
            var grain = connection.Client.GetGrain<IBlogSeriesGrain>(name);
            var job = await grain.StartDraftAsync(new SeriesDraftRequest
            {
                Episode = parse.GetValue(episode),
                UseModel = !parse.GetValue(noModel),
                Kind = parse.GetValue(kind),
                Model = parse.GetValue(model),
            });
            var finished = await FollowAsync(grain, job, "drafting", parse.WantsJson(), cancellationToken);
            Failed(finished);
            var view = await Get(connection, name);
            var drafted = view.Latest.Where(d => parse.GetValue(episode) is not { } only || d.Episode == only).ToList();
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new
                {
                    episodes = drafted.Select(d => new
                    {
                        n = d.Episode,
                        version = d.Version,
                        kind = d.Kind,
                        model = d.Model,
                        markdown = d.Markdown,
                        citations = d.Citations.Select(c => new { n = c.N, path = c.Path, anchor = c.Anchor }),
                        removedCitations = d.RemovedCitations,
                        note = d.Note,
                    }),
                    modelCalls = finished.ModelCalls,
                    promptTokens = finished.PromptTokens,
                    outputTokens = finished.OutputTokens,
                    problems = finished.Problems,
                });
                return 0;
            }
            foreach (var d in drafted)
            {
                Console.WriteLine($"episode {d.Episode}: v{d.Version}, {d.Kind}{(d.Model is null ? "" : $" by {d.Model}")}, {d.Citations.Count} sources cited{(d.RemovedCitations > 0 ? $", {d.RemovedCitations} citations removed" : "")}");
            }
            Console.Error.WriteLine($"{finished.ModelCalls} model calls, {finished.PromptTokens:N0} prompt tokens, {finished.OutputTokens:N0} output tokens");
            PrintProblems(finished);
            return 0;
        });
        return command;
    }

    private static Command Posts()
    {
        var slug = new Argument<string>("slug") { Description = "the series" };
        var noModel = new Option<bool>("--no-model") { Description = "posts made from the plan, without asking a model" };
        var again = new Option<bool>("--again") { Description = "write the posts anew, even though the drafts have not changed since they were written" };
        var command = new Command("posts", "Posts in three lengths (300, 1,000 and 3,000 characters) for the season and each episode; written once per version of the drafts, then shown.") { slug, noModel, again };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var name = parse.GetValue(slug)!;
            var grain = connection.Client.GetGrain<IBlogSeriesGrain>(name);
            var view = await Get(connection, name);
            var kind = parse.GetValue(noModel) ? EpisodeDraft.Extractive : EpisodeDraft.ByModel;
            SeriesJobView? finished = null;
            if (parse.GetValue(again) || view.Posts is not { } written || written.Kind != kind || !written.WrittenFrom(view.Plan, view.Latest))
            {
                var job = await grain.StartPostsAsync(!parse.GetValue(noModel));
                finished = await FollowAsync(grain, job, "writing posts", parse.WantsJson(), cancellationToken);
                Failed(finished);
            }
            else
            {
                // Nothing changed since they were written: showing them costs no model calls.
                Console.Error.WriteLine("note: the posts already written from the current drafts (--again writes them anew)");
            }
            var posts = (await Get(connection, name)).Posts ?? throw new CliException($"no posts were made: {string.Join("; ", finished?.Problems ?? [])}");
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new
                {
                    season = new { @short = posts.Season.Short, medium = posts.Season.Medium, @long = posts.Season.Long },
                    episodes = posts.Episodes.OrderBy(e => e.Key).Select(e => new { n = e.Key, @short = e.Value.Short, medium = e.Value.Medium, @long = e.Value.Long }),
                    kind = posts.Kind,
                    modelCalls = posts.ModelCalls,
                    shortened = posts.Shortened,
                    cut = posts.Cut,
                });
                return 0;
            }
            void Print(string heading, PostSet set)
            {
                Console.WriteLine($"== {heading}");
                foreach (var (length, limit) in PostSet.Lengths)
                {
                    var text = length switch { "short" => set.Short, "medium" => set.Medium, _ => set.Long };
                    Console.WriteLine($"-- {length} ({TextLength.Count(text)}/{limit})\n{text}\n");
                }
            }
            Print("the season", posts.Season);
            foreach (var (n, set) in posts.Episodes.OrderBy(e => e.Key))
            {
                Print($"episode {n}", set);
            }
            if (finished is not null)
            {
                PrintProblems(finished);
            }
            return 0;
        });
        return command;
    }

    private static Command Export()
    {
        var slug = new Argument<string>("slug") { Description = "the series" };
        var to = new Option<string>("--to") { Description = "the folder to write into (a site or a vault)", Required = true };
        var format = new Option<string>("--format") { Description = "hugo, jekyll or obsidian", DefaultValueFactory = _ => "hugo" };
        var overwrite = new Option<bool>("--overwrite") { Description = "also replace files edited by hand since the last export (kept otherwise)" };
        var command = new Command("export", "Write the series as markdown files with front matter, an index and the posts; unchanged files are left alone, files edited since are kept, and files an earlier export wrote that the series no longer has are removed.") { slug, to, format, overwrite };
        command.SetGrainAction(async (parse, connection, cancellationToken) =>
        {
            var files = await connection.Client.GetGrain<IBlogSeriesGrain>(parse.GetValue(slug)!).ExportAsync(parse.GetValue(format)!);
            var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parse.GetValue(to)!));
            ExportOutcome outcome;
            try
            {
                outcome = await ExportFolder.WriteAsync(root, parse.GetValue(slug)!, parse.GetValue(format)!, files, parse.GetValue(overwrite), cancellationToken);
            }
            catch (ExportFolderException e)
            {
                throw new CliException(e.Message);
            }
            var (written, unchanged, removed, kept) = (outcome.Written, outcome.Unchanged, outcome.Removed, outcome.KeptEdited);
            if (parse.WantsJson())
            {
                CommandRunner.PrintJson(new { folder = root, written, unchanged, removed, kept_edited = kept });
                return 0;
            }
            foreach (var path in written)
            {
                Console.WriteLine($"wrote {path}");
            }
            foreach (var path in removed)
            {
                Console.WriteLine($"removed {path} (no longer in the series)");
            }
            foreach (var path in kept)
            {
                Console.WriteLine($"kept {path}: edited by hand since it was exported");
            }
            Console.WriteLine($"{written.Count} written, {unchanged.Count} unchanged, {removed.Count} removed, in {root}");
            return 0;
        });
        return command;
    }

    private static async Task<SeriesView> Get(GatewayConnection connection, string slug) =>
        await connection.Client.GetGrain<IBlogSeriesGrain>(slug).GetAsync()
        ?? throw new CliException($"no series '{slug}': plan it first (convocanvas series plan --topic \"…\")");

    /// <summary>Follows the job to its end by long polls, with a progress bar on a terminal.</summary>
    private static async Task<SeriesJobView> FollowAsync(IBlogSeriesGrain grain, SeriesJobView started, string what, bool json, CancellationToken cancellationToken)
    {
        async Task<SeriesJobView> Poll(ProgressTask? task)
        {
            // A job that shows no progress for this long is given up on (the silo still runs it).
            var stall = TimeSpan.FromMinutes(30);
            var lastChange = DateTimeOffset.UtcNow;
            var lastDone = -1;
            var version = 0L;
            while (true)
            {
                // A long poll: the grain answers as soon as the job moves, or after 10 s with nothing new.
                var view = await grain.WatchAsync(version, TimeSpan.FromSeconds(10));
                version = view?.Version ?? version;
                var job = view?.Job ?? started;
                if (job.Done != lastDone)
                {
                    (lastDone, lastChange) = (job.Done, DateTimeOffset.UtcNow);
                }
                else if (DateTimeOffset.UtcNow - lastChange > stall)
                {
                    throw new CliException($"{what} made no progress for {stall.TotalMinutes:0} minutes ({job.Done} of {job.Total}); see 'convocanvas series show'");
                }
                if (task is not null)
                {
                    task.MaxValue = Math.Max(1, job.Total);
                    task.Value = job.Done;
                    task.Description = $"{what} {job.Done}/{job.Total}{(job.Current is null ? "" : $": {Markup.Escape(Shorten(job.Current))}")}";
                }
                if (!job.Running && job.StartedAt >= started.StartedAt)
                {
                    return job;
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        if (json || Console.IsErrorRedirected)
        {
            return await Poll(null);
        }
        return await CommandRunner.Screen.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(progress => Poll(progress.AddTask(what, maxValue: started.Total)));
    }

    /// <summary>A job that failed (or was cut off) is an error: exit code 1, with why.</summary>
    private static void Failed(SeriesJobView job)
    {
        if (job.Error is { } error)
        {
            throw new CliException(error);
        }
    }

    private static string Shorten(string text) => text.Length <= 50 ? text : text[..49] + "…";

    private static void PrintProblems(SeriesJobView job)
    {
        foreach (var problem in job.Problems)
        {
            Console.Error.WriteLine($"note: {problem}");
        }
    }

    private static void PrintPlan(SeriesPlan plan)
    {
        Console.WriteLine($"series {plan.Slug}: {plan.Topic}, {plan.Episodes.Count} episodes");
        foreach (var episode in plan.Episodes)
        {
            Console.WriteLine($"{episode.Number,3}. {episode.Title} ({EpisodeWriter.Day(episode.From)} to {EpisodeWriter.Day(episode.To)}, {episode.Sources.Count} sources)");
            foreach (var moment in episode.Moments)
            {
                Console.WriteLine($"       {EpisodeWriter.Day(moment.At)}  {moment.Text}");
            }
        }
        foreach (var note in plan.Notes)
        {
            Console.Error.WriteLine($"note: {note}");
        }
    }
}

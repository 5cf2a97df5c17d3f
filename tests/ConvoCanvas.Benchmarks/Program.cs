Console.Error.WriteLine("usage: ./scripts/bench.sh import");
return 2;

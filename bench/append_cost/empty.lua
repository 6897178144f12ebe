-- The cost of calling a script at all, with the append's 24 arguments (bench/append_cost/run.sh).
return {0, ARGV[2], 1, 'x', 'queued', 0}

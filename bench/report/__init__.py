"""Reports over result files: leaderboard, error pages, plot, comparison."""

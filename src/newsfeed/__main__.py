from newsfeed._cli import run

run()

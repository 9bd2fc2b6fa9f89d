from apiguard.cli import main

main()

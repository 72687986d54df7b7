from radiocast.cli import main

main()

from emrs_observe.cli import main

main()

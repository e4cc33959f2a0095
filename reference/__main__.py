from reference.cli import main

main()

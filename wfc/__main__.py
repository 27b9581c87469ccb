from wfc.cli import main

main()

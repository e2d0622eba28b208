# Written by `iamdsl export --format terraform` from ecr_delegation.iam.
# Account B (222222222222): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["222222222222"]
}

resource "aws_iam_role" "SomeRole" {
  name = "SomeRole"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}

resource "aws_iam_role_policy" "SomeRole_inline" {
  name = "inline"
  role = aws_iam_role.SomeRole.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = "arn:aws:ecr:us-east-1:111111111111:repository/app"
      },
      {
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role" "OtherRole" {
  name = "OtherRole"
  path = "/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = []
  })
}
